// Original file: proto/recognizer/v1/recognizer.proto


export interface DescribeRequest {
}

export interface DescribeRequest__Output {
}
